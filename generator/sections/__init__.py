"""One module per site section; :mod:`generator.registry` lists them in navigation order and
:mod:`generator.sections.base` says what a section is."""

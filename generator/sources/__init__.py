"""Price sources: the built-in sample (:mod:`.sample`), a CSV folder (:mod:`.csvdir`) and Yahoo
(:mod:`.yahoo`, the only importer of yfinance). :func:`generator.pipeline.load_prices` dispatches
``--source`` to them; each returns a :class:`generator.frame.LoadResult`."""

"""Page layouts: one module per kind of listing page, each registering itself in
``config.registry.LAYOUTS`` (its parser; the crawl child's shared listing spider walks it).

Every module here is imported when the registry is first read, by the parent process too (to check
``kind`` in the config): they import their parser (lxml) inside the function, so that only the crawl
child pays for it.
"""

ORDER = ("table", "cards", "generic")  # how config errors list them

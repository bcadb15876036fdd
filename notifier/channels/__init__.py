"""Channels: one module per kind of delivery target, each registering itself in
``config.registry.CHANNELS`` (its ``[[targets]]`` model, its transport and its renderer).

Every module here is imported when the registry is first read. They import their client libraries
(slack_sdk, httpx, smtplib) inside the functions that send, so reading the config stays cheap.
"""

ORDER = ("console", "slack", "slack_webhook", "email", "webhook")  # how config errors list them

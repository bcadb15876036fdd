"""Scrapy spiders: one per page family, all walking views the same way (see listing.py)."""

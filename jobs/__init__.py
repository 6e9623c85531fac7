"""The scheduled job: sync the portal, then store the day with the rules in force (digests come later).

It sits above both connectors/ (which only fetches and publishes) and queries/ (which knows what a day's
record is): `python -m jobs sync [--db ... --full --every 15m --wait-first --quiet --rate --burst ...]`.
"""

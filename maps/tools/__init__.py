"""Spatial tools on the layers of the registry: selection (filter, buffer,
inside a drawn polygon), results, summaries, find and the info box.
Server-side PostGIS, parameterised SQL; maps imports no domain."""

"""Digitaal Portaal access service: everything the Chalice app needs besides app.py."""

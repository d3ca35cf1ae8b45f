"""Use cases and their transactions: accounts, events, negotiation, scheduling, audit.

Every function takes the acting ``Actor`` and enforces what that actor may see and do; the web
layer only parses, calls one service and renders.
"""

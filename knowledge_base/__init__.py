"""Articles, ranked search, suggestions and article<->ticket links.

Arrives with the knowledge-base issue.
"""

"""The registry on the web: the Litestar app factory, its pages and its JSON API."""

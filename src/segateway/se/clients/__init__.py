"""The SE client cluster sides of our endpoint: they read and follow remote SE servers."""

"""The Smart Energy application layer."""

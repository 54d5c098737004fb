"""Models: built by their own issue."""

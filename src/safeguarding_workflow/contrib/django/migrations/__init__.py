"""The app's migrations: the first creates the library's tables (see ``0001_initial``)."""

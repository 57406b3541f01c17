"""End-to-end tests: the example project served and pulled over real HTTP."""

# src/config: fragment of the top-level Makefile.am

# src/ksmutil: fragment of the top-level Makefile.am

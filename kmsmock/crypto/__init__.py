"""Ciphertext formats and key material."""

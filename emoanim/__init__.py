"""emoanim: speech to emotional facial animation."""
__version__ = "0.1.0"

"""m365exit: how ready is an organisation to leave Microsoft 365 for open-source, sovereign software."""

__version__ = "0.1.0"

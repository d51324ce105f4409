"""WorkAllies privacy assistant: grounded policy answers, and rights requests as DSR tickets."""

__version__ = "0.1.0"

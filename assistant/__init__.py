"""WorkAllies privacy assistant: grounded answers about the privacy policy, and rights requests as DSR tickets."""

__version__ = "0.1.0"

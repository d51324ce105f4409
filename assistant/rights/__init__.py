"""Rights requests: recognise a user exercising a right, fill its details, confirm."""

from assistant.rights.recognition import Detection, detect_request, mentions_other_person

__all__ = ["Detection", "detect_request", "mentions_other_person"]

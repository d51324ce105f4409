"""Learned decisions after retrieval: is the question answered, and by which sentence.

Training (``assistant.learning.training``) runs offline from data in the repository
(evals/*.yaml, corpus/policyqa/) and writes small JSON weight files under
``assistant/learning/models/`` with a model card beside each; inference
(``assistant.learning.models``) is plain numpy over features (``features``) that the
answer generator already computes, so a question costs no further embedding.
"""

"""Request and response models, distinct from domain events."""

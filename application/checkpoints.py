"""Signed checkpoints: the head of the hash chain, signed with a key kept outside the database.

A checkpoint names a position and its link (see application.integrity); signed with an
Ed25519 private key and kept elsewhere, it lets `verify` find a chain recomputed after a
rewrite, or a tail cut off, which the chain alone cannot show.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from domain.base import AccordError

CHECKPOINT_FORMAT = "accord-checkpoint"
# 2 names the ledger; version 1 checkpoints (no ledger) still verify, against any ledger.
CHECKPOINT_VERSION = 2
READABLE_VERSIONS = (1, 2)


class ChainError(AccordError):
    """The chain cannot be checked or checkpointed as asked."""


class CheckpointInvalid(ChainError):
    """The checkpoint is not a signed Accord checkpoint, or its signature does not verify."""


@dataclass(frozen=True)
class Checkpoint:
    """The head of the chain at one moment, to be signed and kept outside the database."""

    position: int
    link: bytes
    recorded_at: str | None
    signed_at: str
    # The identity of the ledger it was made of (None: a version 1 checkpoint, or a ledger
    # chained before identities existed).
    ledger: str | None = None

    def message(self) -> bytes:
        """The bytes the signature covers."""
        fields: dict[str, Any] = {
            "format": CHECKPOINT_FORMAT,
            "version": 1,
            "position": self.position,
            "link": self.link.hex(),
            "recorded_at": self.recorded_at,
            "signed_at": self.signed_at,
        }
        if self.ledger is not None:
            fields |= {"version": CHECKPOINT_VERSION, "ledger": self.ledger}
        return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()


def new_signing_key() -> tuple[bytes, bytes]:
    """A new Ed25519 key pair: (private key PEM, public key PEM)."""
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, public


def sign_checkpoint(checkpoint: Checkpoint, private_key_pem: bytes) -> dict[str, Any]:
    """The checkpoint as a JSON-ready document, signed with an Ed25519 private key."""
    try:
        key = serialization.load_pem_private_key(private_key_pem, password=None)
    except (ValueError, TypeError) as error:
        raise CheckpointInvalid(f"the signing key cannot be read: {error}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise CheckpointInvalid("the signing key is not an Ed25519 private key")
    document: dict[str, Any] = json.loads(checkpoint.message())
    document["signature"] = base64.b64encode(key.sign(checkpoint.message())).decode()
    return document


def read_checkpoint(document: Any, public_key_pem: bytes) -> Checkpoint:
    """The checkpoint in a signed document, if its signature verifies with this public key."""
    if b"PRIVATE KEY-----" in public_key_pem:
        raise CheckpointInvalid(
            "the public key given is a private key: give its public key (the .pub file "
            "`accord checkpoint keygen` wrote), and keep the private key away from verifiers"
        )
    try:
        key = serialization.load_pem_public_key(public_key_pem)
    except (ValueError, TypeError) as error:
        raise CheckpointInvalid(f"the public key cannot be read: {error}") from None
    if not isinstance(key, Ed25519PublicKey):
        raise CheckpointInvalid("the public key is not an Ed25519 public key")
    if not isinstance(document, dict):
        raise CheckpointInvalid("the checkpoint file is malformed: not a JSON object")
    try:
        if document["format"] != CHECKPOINT_FORMAT:
            raise ValueError("not an Accord checkpoint")
        if document["version"] not in READABLE_VERSIONS:
            raise ValueError(f"checkpoint version {document['version']!r} is not known here")
        checkpoint = Checkpoint(
            position=int(document["position"]),
            link=bytes.fromhex(document["link"]),
            recorded_at=document["recorded_at"],
            signed_at=str(document["signed_at"]),
            ledger=str(document["ledger"]) if document["version"] >= 2 else None,
        )
        signature = base64.b64decode(document["signature"], validate=True)
    except KeyError as error:
        raise CheckpointInvalid(
            f"this is not an Accord checkpoint: it has no {error.args[0]!r} field"
        ) from None
    except (TypeError, ValueError, binascii.Error) as error:
        raise CheckpointInvalid(f"the checkpoint file is malformed: {error}") from None
    try:
        key.verify(signature, checkpoint.message())
    except InvalidSignature:
        raise CheckpointInvalid(
            "the checkpoint's signature does not verify with this public key: "
            "the file was altered, or signed with another key"
        ) from None
    return checkpoint

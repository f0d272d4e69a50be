"""Read models fed from the ledger's notification log: timeline and bitemporal facts."""

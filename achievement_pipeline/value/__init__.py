"""The value stage's rules: hours and money per PR from the assumptions ledger (``core.ledger``)."""

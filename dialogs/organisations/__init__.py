"""What organisations see: anonymous statistics with small groups suppressed."""

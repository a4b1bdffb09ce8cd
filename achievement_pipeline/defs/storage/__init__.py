"""The storage tiers' upkeep: old months of the warehouse moved to the Parquet archive, on a monthly schedule."""

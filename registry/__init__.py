"""The Shared Solutions Registry: where Scotland's councils discover, co-sponsor and adopt
common platforms, joint procurements, innovation challenges and reusable components."""

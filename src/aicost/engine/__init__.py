"""Pure arithmetic over the model: pricing, estimates, listings, diffs and training checks."""

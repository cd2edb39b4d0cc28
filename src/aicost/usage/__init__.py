"""Usage logs: one small reader per format turns lines into canonical records; engines price them."""

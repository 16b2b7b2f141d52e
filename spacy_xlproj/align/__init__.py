"""Word aligners: SimAlign-style over HF encoders, eflomal; symmetrisation."""

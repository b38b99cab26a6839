"""Portfolios: many tenants in one run, compared in one report (DESIGN §13)."""

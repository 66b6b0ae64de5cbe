"""Disputes (矛盾纠纷调解)."""

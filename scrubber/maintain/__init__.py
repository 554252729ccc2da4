"""Tools for the people who maintain the rules: validate, explain, catalogue, diff."""

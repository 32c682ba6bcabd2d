"""cspsim: a simulator of Microsoft's CSP partner platform."""

"""Fitness data: samples from phones, watches and apps, day figures, goals (issue 16)."""

"""Goals: a target of met periods of one habit between two dates."""

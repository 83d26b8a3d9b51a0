"""Instructor tools: grade a cohort (ctip-grade), validate submissions, analytics, demo cohort."""

"""The brigade simulation behind ``make simulate`` (bench/simulate.py): honest
populations, attacks, a time-stepped run through the real trust, hold and scoring code,
and a sample replayed through the database path."""

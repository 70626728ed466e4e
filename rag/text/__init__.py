"""The one home of Chinese report language: numerals, periods, units, sentences and the vocabulary data files."""

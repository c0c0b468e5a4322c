"""The data folder: the hot file, ledger partitions and member rows, written durably under one lock."""

"""Panel Viewers shared by the web app and notebooks; they import nothing from ``app``."""

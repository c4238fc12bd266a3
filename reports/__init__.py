"""Report plugin and dashboard; generated output goes to the git-ignored ``results/`` folder."""

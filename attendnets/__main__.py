from attendnets.cli import run

run()

# Dynamic task mapping: .partial().expand() on operators and @task, .expand_kwargs, .override.
from datetime import datetime

from airflow import DAG
from airflow.decorators import task
from airflow.operators.bash import BashOperator

with DAG("mapped", start_date=datetime(2024, 1, 1), schedule=None):
    @task
    def list_files():
        return ["a", "b"]

    @task
    def process(path, mode):
        return path

    files = list_files()
    processed = process.partial(mode="fast").expand(path=files)
    echo = BashOperator.partial(task_id="echo", retries=2).expand(bash_command=["echo 1", "echo 2"])
    summarize = process.override(task_id="summarize")(processed, "x")
    processed >> echo

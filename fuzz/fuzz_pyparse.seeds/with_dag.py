# Airflow 2 classic style: `with DAG(...) as dag:`, operators, >> chains with lists.
from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.operators.empty import EmptyOperator

default_args = {
    "owner": "analytics",
    "retries": 3,
    "retry_delay": timedelta(minutes=10),
    "execution_timeout": timedelta(hours=1),
}

with DAG(
    dag_id="with_dag",
    default_args=default_args,
    schedule="0 6 * * *",
    start_date=datetime(2024, 1, 1),
    catchup=False,
) as dag:
    start = EmptyOperator(task_id="start")
    load_a = BashOperator(task_id="load_a", bash_command="load a", pool="warehouse", priority_weight=5)
    load_b = BashOperator(task_id="load_b", bash_command="load b", retries=0)
    report = BashOperator(task_id="report", bash_command="report", trigger_rule="all_done", sla=timedelta(hours=2))
    end = EmptyOperator(task_id="end")

    start >> [load_a, load_b] >> report
    end << report

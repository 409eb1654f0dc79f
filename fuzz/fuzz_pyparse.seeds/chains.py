# chain, chain_linear, cross_downstream from airflow.models.baseoperator.
from datetime import datetime

from airflow import DAG
from airflow.models.baseoperator import chain, chain_linear, cross_downstream
from airflow.operators.empty import EmptyOperator

with DAG(dag_id="chains", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    t = {name: EmptyOperator(task_id=name) for name in ["a", "b", "c", "d", "e", "f", "g", "h"]}
    chain(t["a"], [t["b"], t["c"]], [t["d"], t["e"]], t["f"])
    chain_linear(t["f"], [t["g"], t["h"]])
    x1 = EmptyOperator(task_id="x1")
    x2 = EmptyOperator(task_id="x2")
    y1 = EmptyOperator(task_id="y1")
    y2 = EmptyOperator(task_id="y2")
    cross_downstream([x1, x2], [y1, y2])

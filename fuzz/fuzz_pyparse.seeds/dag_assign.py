# Airflow 1.10 style: dag = DAG(...), dag=dag on each operator, set_upstream/set_downstream.
from datetime import datetime

from airflow import DAG
from airflow.operators.bash_operator import BashOperator
from airflow.operators.dummy_operator import DummyOperator
from airflow.operators.python_operator import PythonOperator

args = {"owner": "etl", "start_date": datetime(2019, 1, 1)}
args["retries"] = 1

dag = DAG("dag_assign", default_args=args, schedule_interval="@hourly")

begin = DummyOperator(task_id="begin", dag=dag)
fetch = BashOperator(task_id="fetch", bash_command="curl x", dag=dag)
parse = PythonOperator(task_id="parse", python_callable=len, provide_context=True, dag=dag)
store = BashOperator(task_id="store", bash_command="store", dag=dag, queue="io")

fetch.set_upstream(begin)
fetch.set_downstream(parse)
store.set_upstream([parse])

# Airflow 1.10 era DAG: contrib imports, dag=dag, a Python 1.10-style branch and a SubDag-free layout.
from datetime import datetime, timedelta

from airflow import DAG
from airflow.contrib.operators.spark_submit_operator import SparkSubmitOperator
from airflow.operators.python_operator import BranchPythonOperator, PythonOperator
from airflow.operators.dummy_operator import DummyOperator
from airflow.sensors.external_task_sensor import ExternalTaskSensor
from airflow.utils.dates import days_ago

default_args = {
    'owner': 'marketing',
    'start_date': days_ago(1),
    'email_on_failure': True,
    'retries': 1,
}

dag = DAG('legacy_marketing', default_args=default_args, schedule_interval='@daily')


def choose_branch(**kwargs):
    return 'full_refresh'


wait_orders = ExternalTaskSensor(
    task_id='wait_orders',
    external_dag_id='ingest_orders',
    external_task_id='clean_orders',
    timeout=7200,
    dag=dag,
)

branch = BranchPythonOperator(task_id='branch', python_callable=choose_branch, provide_context=True, dag=dag)
full = SparkSubmitOperator(task_id='full_refresh', application='/jobs/full.py', dag=dag)
incr = SparkSubmitOperator(task_id='incremental', application='/jobs/incr.py', dag=dag)
join = DummyOperator(task_id='join', dag=dag)
notify = PythonOperator(task_id='notify', python_callable=print, dag=dag)

wait_orders >> branch
branch >> full >> join
branch >> incr >> join
join >> notify

# Airflow 3 imports (airflow.sdk) with the standard provider's operators.
from airflow.sdk import DAG, task, chain
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.providers.standard.operators.bash import BashOperator

with DAG(dag_id="sdk3", schedule="@daily"):
    first = EmptyOperator(task_id="first")

    @task.branch
    def choose():
        return "fast"

    fast = BashOperator(task_id="fast", bash_command="fast")
    slow = BashOperator(task_id="slow", bash_command="slow")
    merge = EmptyOperator(task_id="merge", trigger_rule="none_failed_min_one_success")
    chain(first, choose(), [fast, slow], merge)

# awsp: shell code, v1
$env:AWS_PROFILE = $null;
$env:AWS_REGION = $null;
$env:AWS_DEFAULT_REGION = $null;
$env:AWSP_PROFILE = $null;
$env:AWSP_PREVIOUS = $null;
$env:AWSP_ACCOUNT = $null;
$env:AWSP_ACCOUNT_NAME = $null;
$env:AWSP_ROLE = $null;
$env:AWSP_REGION = $null;
$env:AWSP_EXPIRES = $null;
